"""What a decoded answer holds: JSON leaf spans and token confidences."""
