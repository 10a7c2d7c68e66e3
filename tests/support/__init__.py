"""Test support code: harnesses around the real components (oracles) the tests use."""
