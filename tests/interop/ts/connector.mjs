// The real DFC TypeScript connector (@datafoodconsortium/connector, pinned in package.json) reading
// statebridge's DFC output and building orders of its own, for tests/test_ts_connector.py.
//
//   node connector.mjs read  --context FILE --vocabulary FILE --measures FILE  < batch.json
//   node connector.mjs build --context FILE --vocabulary FILE --measures FILE
//
// `read` takes a JSON array of {"name", "text"} (each text one JSON-LD document) on stdin and
// prints, per document, what the connector's own getters return: each order's number, its three
// states, its client, and each line's quantity, getPrice() value and unit, and offer. One process
// reads a whole batch, so the suite starts Node once, not once per fixture.
//
// `build` makes orders with the connector's factory (states, an Enterprise or a Person buyer,
// lines with prices, offers and supplied products) and prints each exported document together
// with what was built, in the shape `read` prints.
//
// Strictly offline: the JSON-LD context URLs resolve to the context file given (statebridge's
// bundled copy of the DFC 1.16.0 context), the taxonomies come from the files given (DFC
// taxonomies 1.3.0), and fetch() is replaced by one that throws: any other IRI the connector
// tries to dereference is an error in the output, never a network request.
//
// Facts this relies on, read in the connector's source (node_modules/@datafoodconsortium/connector/src;
// summarised in docs/references/dfc-typescript-connector.md):
// - Connector.ts: the default document loader preloads only the wordpress context URL and
//   fetch()es any other; the importer and store can be replaced (setDefaultImporter,
//   setDefaultStore); getters of referenced objects go through Connector.fetch, which answers
//   from the store and otherwise calls the fetch function.
// - Order.ts: getOrderStatus/getPaymentStatus/getFulfilmentStatus fetch the state concept by IRI.
//   With taxonomies 1.3.0, loadVocabulary() leaves VOCABULARY.STATUS without children (the
//   vocabulary's dfc-v:Status has no skos:narrower), so states are compared by concept IRI.
// - OrderLine.ts: getPrice() reads dfc-b:hasPrice as an embedded blank node only; getQuantity()
//   is Number(dfc-b:quantity). Price.ts: getQuantityValue() is Number(dfc-b:value),
//   getQuantityUnit() fetches the unit concept (dfc-m:...) by IRI.
import { readFileSync } from "node:fs";
import { Connector, ConnectorImporterJsonldStream } from "@datafoodconsortium/connector";
import bundledContext from "@datafoodconsortium/connector/lib/context.js";

const VERSION = JSON.parse(
  readFileSync(new URL("./node_modules/@datafoodconsortium/connector/package.json", import.meta.url), "utf8"),
).version;

const CONTEXT_URLS = new Set([
  "https://w3id.org/dfc/ontology/context/context_1.16.0.json",
  "http://w3id.org/dfc/ontology/context/context_1.16.0.json",
  "https://www.datafoodconsortium.org/wp-content/plugins/wordpress-context-jsonld/context_1.16.0.jsonld",
  "https://www.datafoodconsortium.org",
  "https://www.datafoodconsortium.org/",
]);
const V = "https://github.com/datafoodconsortium/taxonomies/releases/latest/download/vocabulary.rdf#";

function options(argv) {
  const [command, ...rest] = argv;
  const found = { command };
  for (let i = 0; i < rest.length; i += 2) found[rest[i].replace(/^--/, "")] = rest[i + 1];
  for (const name of ["context", "vocabulary", "measures"]) {
    if (!found[name]) throw new Error(`--${name} FILE is required`);
  }
  if (command !== "read" && command !== "build") throw new Error(`unknown command ${command}: read or build`);
  return found;
}

// No network, ever: a dereference the connector attempts is reported, not made.
globalThis.fetch = async (url) => {
  throw new Error(`offline: the connector tried to fetch ${url}`);
};

// A store per document over the taxonomy concepts loaded once: documents do not see each
// other's objects, and the taxonomies (about 0.3 s to load) are read once per process.
class DocumentStore {
  constructor(taxonomy) {
    this.taxonomy = taxonomy;
    this.own = new Map();
  }
  async get(id) {
    return this.own.has(id) ? this.own.get(id) : this.taxonomy.get(id);
  }
  has(id) {
    return this.own.has(id) || this.taxonomy.has(id);
  }
  remove(id) {
    this.own.delete(id);
  }
  set(object) {
    const id = object.getSemanticId();
    if (id !== "") this.own.set(id, object);
  }
  setAll(objects) {
    objects.forEach((object) => this.set(object));
  }
}

class TaxonomyStore extends DocumentStore {
  constructor() {
    super({ get: async () => undefined, has: () => false });
  }
}

async function connectorFor(opts) {
  const context = JSON.parse(readFileSync(opts.context, "utf8"));
  const loader = {
    async load(url) {
      if (CONTEXT_URLS.has(url)) return context;
      throw new Error(`offline: no local copy of the JSON-LD context ${url}`);
    },
  };
  const connector = new Connector();
  connector.setDefaultImporter(new ConnectorImporterJsonldStream({ context: context["@context"], documentLoader: loader }));
  connector.setDefaultFetchFunction(async (id) => {
    throw new Error(`offline: ${id} is neither in the document nor in the taxonomies`);
  });
  const taxonomy = new TaxonomyStore();
  connector.setDefaultStore(taxonomy);
  await connector.loadVocabulary(readFileSync(opts.vocabulary, "utf8"));
  await connector.loadMeasures(readFileSync(opts.measures, "utf8"));
  const bundledMatches = JSON.stringify(bundledContext) === JSON.stringify(context["@context"]);
  return { connector, taxonomy, bundledMatches };
}

function failure(error) {
  return { error: String(error && error.message ? error.message : error) };
}

async function attempt(read) {
  try {
    return await read();
  } catch (error) {
    return failure(error);
  }
}

const iri = (object) => (object ? object.getSemanticId() : null);
const number = (value) => (value === undefined || Number.isNaN(value) ? null : value);

async function readLine(line) {
  return {
    id: line.getSemanticId(),
    quantity: number(line.getQuantity()),
    price: line.hasSemanticProperty("dfc-b:hasPrice")
      ? await attempt(async () => {
          const price = line.getPrice();
          return { value: number(price.getQuantityValue()), unit: iri(await price.getQuantityUnit()) };
        })
      : null,
    offer: await attempt(async () => {
      const offer = await line.getOffer();
      return offer ? { id: offer.getSemanticId(), offeredItem: iri(await offer.getOfferedItem()) } : null;
    }),
  };
}

async function readOrder(order) {
  const lines = await attempt(async () => Promise.all((await order.getLines()).map(readLine)));
  return {
    id: order.getSemanticId(),
    number: order.getNumber() ?? null,
    states: {
      order: await attempt(async () => iri(await order.getOrderStatus())),
      payment: await attempt(async () => iri(await order.getPaymentStatus())),
      fulfilment: await attempt(async () => iri(await order.getFulfilmentStatus())),
    },
    client: await attempt(async () => {
      const client = await order.getClient();
      return client ? { id: client.getSemanticId(), type: client.getSemanticType() } : null;
    }),
    lines,
  };
}

async function read(opts) {
  const { connector, taxonomy, bundledMatches } = await connectorFor(opts);
  const batch = JSON.parse(readFileSync(0, "utf8"));
  const documents = [];
  for (const { name, text } of batch) {
    connector.setDefaultStore(new DocumentStore(taxonomy));
    try {
      const imported = await connector.import(text);
      const orders = imported.filter((object) => object.isSemanticTypeOf("dfc-b:Order"));
      documents.push({ name, orders: await Promise.all(orders.map(readOrder)) });
    } catch (error) {
      documents.push({ name, ...failure(error) });
    }
  }
  return { connector: VERSION, bundledContextMatches: bundledMatches, documents };
}

// -- build ------------------------------------------------------------------------------------

const HUB = "https://hub.example.org/api/dfc/Enterprises/green-hub";
const SHOP = "https://producer.example.org/api/dfc/Enterprises/hodmedod";

const ORDERS = [
  { number: "H-1001", states: ["Held", "Unpaid", "Held"], buyer: "Enterprise", lines: [[3, 18.85, "EURO", "beans"], [5, 3.99, "EURO", "chia"]] },
  { number: "H-1002", states: ["Complete", "Paid", "Unfulfilled"], buyer: "Enterprise", lines: [[2.5, 4.2, "POUNDSTERLING", "flour"]] },
  { number: "H-1003", states: ["Complete", "Paid", "Fulfilled"], buyer: "Person", lines: [[1, 12, "USDOLLAR", "oats"]] },
  { number: "H-1004", states: ["Cancelled", "Cancelled", "Cancelled"], buyer: "Enterprise", lines: [[4, 0.99, "CANADIANDOLLAR", "peas"]] },
  { number: "H-1005", states: ["Draft", null, null], buyer: "Enterprise", lines: [[1, 7.5, "AUSTRALIANDOLLAR", "lentils"]] },
];

async function build(opts) {
  const { connector, taxonomy } = await connectorFor(opts);
  const currencies = connector.MEASURES.UNIT.CURRENCYUNIT;
  const documents = [];
  for (const [index, spec] of ORDERS.entries()) {
    connector.setDefaultStore(new DocumentStore(taxonomy));
    const orderId = `${SHOP}/Orders/${1001 + index}`;
    const buyer =
      spec.buyer === "Enterprise"
        ? connector.createEnterprise({ semanticId: HUB })
        : connector.createPerson({ semanticId: `${HUB}/Persons/7`, firstName: "Ada", lastName: "Baker" });
    const objects = [];
    const built = [];
    const lines = spec.lines.map(([quantity, value, currency, product], n) => {
      const item = connector.createSuppliedProduct({ semanticId: `${SHOP}/SuppliedProducts/${product}`, name: product });
      const offer = connector.createOffer({ semanticId: `${SHOP}/Offers/${product}`, offeredItem: item });
      const unit = currencies[currency];
      const line = connector.createOrderLine({
        semanticId: `${orderId}/OrderLines/${n + 1}`,
        quantity,
        price: connector.createPrice({ value, unit, vatRate: 0 }),
        offer,
      });
      objects.push(line, offer, item);
      built.push({
        id: line.getSemanticId(),
        quantity,
        price: { value, unit: unit.getSemanticId() },
        offer: { id: offer.getSemanticId(), offeredItem: item.getSemanticId() },
      });
      return line;
    });
    const [orderState, paymentState, fulfilmentState] = await Promise.all(
      spec.states.map((state) => (state ? connector.fetch(V + state) : undefined)),
    );
    const order = connector.createOrder({
      semanticId: orderId,
      number: spec.number,
      orderStatus: orderState,
      paymentStatus: paymentState,
      fulfilmentStatus: fulfilmentState,
      client: buyer,
      lines,
    });
    documents.push({
      name: spec.number,
      text: await connector.export([order, ...objects, buyer]),
      built: {
        id: orderId,
        number: spec.number,
        states: {
          order: iri(orderState),
          payment: iri(paymentState),
          fulfilment: iri(fulfilmentState),
        },
        client: { id: buyer.getSemanticId(), type: buyer.getSemanticType() },
        lines: built,
      },
    });
  }
  return { connector: VERSION, documents };
}

const opts = options(process.argv.slice(2));
const result = opts.command === "read" ? await read(opts) : await build(opts);
process.stdout.write(JSON.stringify(result));
