"""The one adapter that talks to a chain (through Ape). Everything else in collabml is pure."""
