#!/bin/sh
echo "coverage_report_generator: coverage is not supported offline" >&2
exit 1
