#!/bin/sh
# vpstree.t - vpstree with real processes in two contexts: each context's
# subtree labelled where it begins (xid and guest name), the host's roots
# labelled MAIN, --xid and --name filters, -a, -U, as the spectator, and
# a bad option.
. "$(dirname "$0")/lib.sh"
need_root

t_ctx_ab
[ -n "$PA" ] && [ -n "$PB" ] || bail "context processes not found"

# --- the tree, labelled -----------------------------------------------------------
rc_is "vpstree" 0 vpstree
like "A's subtree is labelled where it begins" "$OUT" "vsbox-init\([0-9]+\)  \[ctx $A web\]"
like "with its children below" "$OUT" "[\`|]-sleep\($PA\)"
like "the host's roots are labelled MAIN" "$OUT" '^[^ |`].*\(1\)  \[ctx 0 MAIN\]'
run_rc vpstree --xid $B
is "vpstree --xid B: B's subtree only" "$(printf '%s\n' "$OUT" | sed 's/([0-9]*)/()/g')" 'vsbox-init()  [ctx '$B' -]
`-sleep()'
like "with B's pid" "$OUT" "sleep\($PB\)"
like "vpstree -a: arguments" "$(vpstree -a --name web)" "sleep\($PA\) 3001"
like "vpstree -U: UTF-8 lines" "$(vpstree -U --xid $B)" "└─sleep"
run_rc chcontext --ctx 1 vpstree --xid $A
is "vpstree as the spectator (exit 0)" "$RC" 0
rc_is "vpstree bad option" 2 vpstree -o pid
done_testing
