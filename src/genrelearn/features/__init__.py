"""Audio features: the thesis CQT, log-mel and MFCC, stored as frames with clip offsets."""

from genrelearn.features.store import FrameSet, load_frames, save_frames

__all__ = ["FrameSet", "load_frames", "save_frames"]
