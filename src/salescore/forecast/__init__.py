"""Forecasting: weighted pipeline, forecast categories, learned probabilities, Markov and
Monte Carlo models of the pipeline, time series on bookings, and accuracy."""

__all__: list[str] = []
