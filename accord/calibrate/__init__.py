"""Learning from what the parties said: calibrate preferences to their observed reactions.

Four answers from the statements' stances: which assumptions contradict them (`observations`),
the smallest change to weights and walk-aways that explains them (`revision`, an LP per party),
how likely each party is to accept each plan given them (`posterior`, importance sampling over
the `accord.uncertainty` prior), and which package to float next (`suggest`, expected
information gain). See docs/calibrate.md.
"""

from accord.calibrate.observations import Fit, Observation, consistency, observations
from accord.calibrate.revision import Revision, revised_data, smallest_revision
from accord.calibrate.run import Calibration, NoStances, calibrate

__all__ = [
    "Calibration",
    "Fit",
    "NoStances",
    "Observation",
    "Revision",
    "calibrate",
    "consistency",
    "observations",
    "revised_data",
    "smallest_revision",
]
