"""The whole product on one machine: `make demo` (see `stack.run_demo`)."""

from airdrops.demo.stack import run_demo

__all__ = ["run_demo"]
