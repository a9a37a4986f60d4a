"""Prometheus metrics, one registry per app so tests and several apps in a process don't collide."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.callbacks = Counter(
            "wecombot_callbacks_total", "Verified callbacks by event kind", ["kind"], registry=self.registry
        )
        self.rejections = Counter(
            "wecombot_callback_rejections_total",
            "Refused callbacks by reason",
            ["reason"],
            registry=self.registry,
        )
        self.duplicates = Counter(
            "wecombot_callback_duplicates_total", "Retries and duplicates dropped", registry=self.registry
        )
        self.unknown_events = Counter(
            "wecombot_unknown_events_total", "Events with no typed parser", ["event"], registry=self.registry
        )
        self.handler_latency = Histogram(
            "wecombot_handler_latency_seconds",
            "Time spent in handlers",
            ["handler"],
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.errors = Counter(
            "wecombot_errors_total",
            "Errors on the error path by where they happened",
            ["where"],
            registry=self.registry,
        )
        self.replies = Counter(
            "wecombot_replies_total", "Replies by path (passive or api)", ["path"], registry=self.registry
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
