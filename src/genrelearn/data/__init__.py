"""Datasets: the built-in synthetic genre set and the audio index shared by all datasets."""
