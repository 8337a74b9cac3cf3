"""Distance thresholds of the 1:N duplicate search (Euclidean distance between descriptors).

A new gallery matches a stored one when the smallest distance between their descriptors
is at most the threshold. The values apply to the default descriptor model
(dlib-resnet-v1, chip150-pad0.25-flip0-jitter0-unit) and must be measured again for
another one.

Figures from bench/bench_duplicates.py on the East Asian photos of the shared face set
(287 descriptors of 90 people, galleries of 2 photos). The false cases are an
extrapolation: a probit line through the lowest 1 % of the 40,607 impostor photo-pair
distances, times 4 descriptor pairs per gallery pair. The column "5 % fit" uses the
lowest 5 % instead. No impostor pair was measured below 0.260. The full table is on
docs/benchmarks.md.

| threshold | false cases per 1,000 enrolments: 5,000 stored | 1,300,000 stored (5 % fit) | same person, photos of two occasions, caught |
| 0.14      | 0.003                                          | 0.78 (5.3)                 | 1 %                                          |
| 0.15      | 0.012                                          | 3.1 (17.6)                 | 3 %                                          |
| 0.19      | 1.8                                            | 472 (1,470)                | 16 %                                         |
| 0.20      | 5.7                                            | 1,482 (4,037)              | 25 %                                         |
| 0.22      | 49                                             | 12,768 (27,174)            | 46 %                                         |

Each threshold is the largest value of the table whose extrapolated queue stays under
a target: 10 false cases per 1,000 enrolments in a school of 5,000 galleries, and 1 per
1,000 across the province with the 1 % fit. So the province-wide search catches a
re-enrolment only when the two captures look almost alike (two camera frames of one
photo are about 0.03 apart), and most pairs of photos of one person taken years apart
pass unnoticed.
"""
# Within the school (up to about 5,000 galleries), where ghost students are enrolled:
# about 6 false cases per 1,000 enrolments, fewer in smaller schools (linear in size).
SCHOOL_MATCH_THRESHOLD = 0.20
# Across the province (about 1,300,000 galleries): about 0.8 false cases per 1,000
# enrolments (5 with the 5 % fit). Cases between two cities go to the province office,
# so this queue is kept the smallest.
PROVINCE_MATCH_THRESHOLD = 0.14

# Stored descriptors each of the two searches returns; a student has several.
CANDIDATES_PER_SEARCH = 40


def similarity_percent(distance: float) -> int:
    """Map a distance to the 0-100 similarity shown to the office: 100 at 0, 0 at 1.0 and beyond.

    The same scale as the enrolment pages' similarity. NOTE: a display aid only; the
    decision to open a case compares the distance with the thresholds above.
    """
    return max(0, min(100, round(100 * (1.0 - distance))))
