"""aidface: the Henan provincial student-aid supervision face-recognition system."""
