"""cocreate: command line and settings shared by the model, training and API layers."""
