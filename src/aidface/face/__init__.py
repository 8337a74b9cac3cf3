"""Face engine: decoding, detection, quality, descriptors, verification and liveness.

Plain Python with no Django import, so that enrolment, check-in, the evaluation
command and the benchmark all call the same functions.
"""
