#!/bin/sh
# stock-trixie.t - stock Debian 13 servers in guests with one IPv4 address
# (tests/debian/stock.sh). Addresses 127.0.1.4-6 (N4.1-3 is 127.0.1.41-43),
# fd00:7673:1:d::3.
SUITE=trixie N4=127.0.1.4 N6=fd00:7673:1:d::
T_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$T_TOP/tests/debian/stock.sh"
