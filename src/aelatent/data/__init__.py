"""The data stage: image sources, synthetic faces and the image store."""
