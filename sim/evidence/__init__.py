"""Published evidence the model is calibrated to and validated against."""
