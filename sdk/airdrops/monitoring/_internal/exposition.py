"""`/metrics`: the catalogue's series written straight from their values, the rest by prometheus_client.

Rendering through prometheus_client builds a Sample per series at every scrape and formats its
labels again. A catalogue series' labels never change, so its line prefixes are formatted once (per
series, cached on it) and a scrape writes only the values. What makes the text the same as
OpenTelemetry's Prometheus exporter would write, and prometheus_client after it, is not copied
here: names and units come from the exporter's own mapping functions, each family's header lines
from prometheus_client's encoders (an empty family, rendered once), values from its
`floatToGoString`. `CatalogueCollector.collect()` gives the same series as prometheus_client
families (this text, read back by its OpenMetrics parser): it serves what the fast path leaves to
prometheus_client (`name[]`, escapings that rename metrics), and the tests compare the two.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any
from urllib.parse import parse_qs

from opentelemetry.exporter.prometheus._mapping import map_unit, sanitize_attribute, sanitize_full_name
from opentelemetry.sdk.resources import Resource
from prometheus_client import CollectorRegistry, exposition, make_wsgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, InfoMetricFamily
from prometheus_client.openmetrics import exposition as om_exposition
from prometheus_client.openmetrics.parser import text_string_to_metric_families
from prometheus_client.utils import floatToGoString as _go_string

from airdrops.monitoring._internal.instruments import HistogramInstrument, Instrument
from airdrops.monitoring._internal.registry import Registry

_EOF = "# EOF\n"
#: Go's default, as client_golang uses: a tenth of prometheus_client's level-9 time for 1% more bytes.
_GZIP_LEVEL = 6
#: How prometheus_client writes a sample value (Go's float formatting, which Prometheus reads).
_go: Callable[[float], str] = _go_string
#: Escapings that leave a valid legacy name as it is (every catalogue name and label is one).
_NAME_PRESERVING = (om_exposition.UNDERSCORES, om_exposition.ALLOWUTF8)
_FAMILIES = {"counter": CounterMetricFamily, "updown_counter": GaugeMetricFamily, "gauge": GaugeMetricFamily,
             "histogram": HistogramMetricFamily}  # fmt: skip


class _One:
    """A collector of one family, for prometheus_client's encoders."""

    def __init__(self, family: Any) -> None:
        self.family = family

    def collect(self) -> Iterator[Any]:
        yield self.family


def _both_formats(family: Any) -> tuple[str, str]:
    """The family as prometheus_client writes it in the text format and in OpenMetrics (no `# EOF`)."""
    text = exposition.generate_latest(_One(family)).decode()
    om = om_exposition.generate_latest(_One(family)).decode()  # type: ignore[no-untyped-call]
    return text, om.removesuffix(_EOF)


def _escape(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _labels(labels: dict[str, str]) -> str:
    return ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))


class _Family:
    """One catalogue instrument as a Prometheus family: its header lines and each series' lines."""

    def __init__(self, inst: Instrument, identity: dict[str, str]) -> None:
        spec = inst.spec
        empty = _FAMILIES[spec.kind](
            sanitize_full_name(spec.name), spec.description, labels=[], unit=map_unit(spec.unit)
        )
        self.name: str = empty.name + ("_total" if spec.kind == "counter" else "")
        self.headers = _both_formats(empty)
        self.inst, self.identity = inst, identity
        self.histogram = isinstance(inst, HistogramInstrument)
        self.le = [str(b) for b in (*(spec.buckets or ()), "+Inf")]  # as the exporter writes bucket bounds

    def prefixes(self, series: Any, owner: object) -> Any:
        """The series' line prefixes, formatted once for `owner` (one renderer)."""
        cached = series.exposition
        if cached is not None and cached[0] is owner:
            return cached[1]
        labels = {**self.identity, **{sanitize_attribute(k): v for k, v in series.attributes.items()}}
        if self.histogram:
            name = self.name
            made: Any = (
                [f"{name}_bucket{{{_labels({**labels, 'le': le})}}} " for le in self.le],
                f"{name}_count{{{_labels(labels)}}} ",
                f"{name}_sum{{{_labels(labels)}}} ",
            )
        else:
            made = f"{self.name}{{{_labels(labels)}}} "
        series.exposition = (owner, made)
        return made

    def lines(self, out: list[str], openmetrics: bool, owner: object) -> None:
        if self.histogram:
            self._histogram_lines(out, openmetrics, owner)
            return
        values = [(s, s.value) for s in self.inst.series()]
        values = [(s, v) for s, v in values if v == v]  # a gauge never set (NaN) is not a series yet
        if values:
            out.append(self.headers[openmetrics])
            out.extend(f"{self.prefixes(s, owner)}{_go(v)}\n" for s, v in values)

    def _histogram_lines(self, out: list[str], openmetrics: bool, owner: object) -> None:
        series = self.inst.series()
        if series:
            out.append(self.headers[openmetrics])
        for s in series:
            with s.lock:
                counts, count, total = list(s.counts), s.count, s.sum
                exemplars = list(s.exemplars) if openmetrics and s.exemplars is not None else None
            buckets, count_prefix, sum_prefix = self.prefixes(s, owner)
            cumulative = 0
            for i, prefix in enumerate(buckets):
                cumulative += counts[i]
                mark = _exemplar(exemplars[i]) if exemplars is not None and exemplars[i] is not None else ""
                out.append(f"{prefix}{_go(cumulative)}{mark}\n")
            out.append(f"{count_prefix}{_go(count)}\n{sum_prefix}{_go(total)}\n")


def _exemplar(exemplar: tuple[float, int, int, int]) -> str:
    value, time_ns, trace_id, span_id = exemplar
    seconds, nanos = divmod(time_ns, 1_000_000_000)
    return f' # {{span_id="{span_id:016x}",trace_id="{trace_id:032x}"}} {_go(value)} {seconds}.{nanos:09d}'


class CatalogueCollector:
    """The bot's own `/metrics` families: `target_info` (the resource) and every catalogue series,
    labelled with `bot_id` as OpenTelemetry's exporter labels them."""

    def __init__(self, registry: Registry, resource: Resource) -> None:
        attributes = {sanitize_attribute(k): str(v) for k, v in resource.attributes.items()}
        info = InfoMetricFamily("target", "Target metadata", labels=list(attributes))
        info.add_metric(list(attributes), attributes)
        self._info = _both_formats(info)
        identity = {"bot_id": attributes["bot_id"]} if "bot_id" in attributes else {}
        self._families = [_Family(inst, identity) for inst in registry.instruments.values()]

    def render(self, openmetrics: bool) -> str:
        out = [self._info[openmetrics]]
        for family in self._families:
            family.lines(out, openmetrics, self)
        return "".join(out)

    def collect(self) -> Iterator[Any]:
        yield from text_string_to_metric_families(self.render(openmetrics=True) + _EOF)  # type: ignore[no-untyped-call]


class Exposition:
    """What `/metrics` serves: the catalogue collector and `rest` (OpenTelemetry instruments and the
    process's runtime metrics, a prometheus_client registry). `registry` holds both."""

    def __init__(self, registry: Registry, resource: Resource, rest: CollectorRegistry) -> None:
        self.catalogue = CatalogueCollector(registry, resource)
        self.rest = rest
        self.registry = CollectorRegistry(support_collectors_without_names=True)  # `name[]` filters them too
        self.registry.register(self.catalogue)
        self.registry.register(rest)

    def render(self, encoder: Callable[..., bytes]) -> bytes | None:
        """The page `encoder` (from prometheus_client's `choose_encoder`) would write for `registry`,
        or None when it asks for an escaping that renames metrics (prometheus_client writes those)."""
        escaping = encoder.keywords.get("escaping", om_exposition.UNDERSCORES) if isinstance(encoder, partial) else None
        if escaping is not None and escaping not in _NAME_PRESERVING:
            return None
        om = (encoder.func if isinstance(encoder, partial) else encoder) is om_exposition.generate_latest
        return self.catalogue.render(om).encode() + encoder(self.rest)

    def wsgi_app(self) -> Callable[..., Any]:
        """prometheus_client's `make_wsgi_app` for `registry`, with GET pages from `render`."""
        generic = make_wsgi_app(self.registry)

        def metrics_app(environ: dict[str, Any], start_response: Any) -> Any:
            if (
                environ["REQUEST_METHOD"] != "GET"
                or environ.get("PATH_INFO") == "/favicon.ico"
                or "name[]" in parse_qs(environ.get("QUERY_STRING", ""))
            ):
                return generic(environ, start_response)
            encoder, content_type = exposition.choose_encoder(environ.get("HTTP_ACCEPT"))  # type: ignore[arg-type]
            body = self.render(encoder)
            if body is None:
                return generic(environ, start_response)
            headers = [("Content-Type", content_type)]
            if exposition.gzip_accepted(environ.get("HTTP_ACCEPT_ENCODING")):  # type: ignore[arg-type]
                body = gzip.compress(body, _GZIP_LEVEL)
                headers.append(("Content-Encoding", "gzip"))
            start_response("200 OK", headers)
            return [body]

        return metrics_app
