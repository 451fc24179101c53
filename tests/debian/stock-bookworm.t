#!/bin/sh
# stock-bookworm.t - stock Debian 12 servers in guests with one IPv4 address
# (tests/debian/stock.sh). Addresses 127.0.1.1-3, fd00:7673:1:b::3.
SUITE=bookworm N4=127.0.1. N6=fd00:7673:1:b::
T_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$T_TOP/tests/debian/stock.sh"
