"""The connections file (`statebridge.yaml`): sources, targets, and which sources feed which targets."""
