"""The training engine: plain Python ML (split, encode, fit, evaluate, save/load, predict).

Nothing below this folder imports Django; the studio hands it plain data and gets back an
artifact folder and metrics. This file stays empty of imports so that reading
`training.engine.config` does not pull in torch.
"""
