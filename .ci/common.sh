# Helpers shared by the CI scripts (sourced, from the repository root).

# fail MESSAGE: print "<script>: MESSAGE" to stderr and exit 1
fail() { echo ".ci/${0##*/}: $*" >&2; exit 1; }

# copy_tree DEST: the working tree's files, tracked or new but not ignored (so without build
# products: a checkout's build/ holds objects that setuptools would reuse as "up to date"), into DEST
copy_tree() {
    git rev-parse --is-inside-work-tree >/dev/null 2>&1 || fail "not a git checkout: the source copy uses git ls-files"
    mkdir -p "$1"
    git ls-files -z --cached --others --exclude-standard \
        | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C "$1"
}

# quick_start NAME: the command of README.md's quick-start block NAME: the one-line code block
# right after the line "<!-- quick-start: NAME -->" (a remark may follow NAME); fails unless
# there is exactly one such block
quick_start() {
    local marker="^<!-- quick-start: $1( .*)?-->\$"
    [[ "$(grep -cE "$marker" README.md)" == 1 ]] || fail "README.md must have exactly one line '<!-- quick-start: $1 -->'"
    # the marker, blank lines, an opening fence, one line (the command), the closing fence
    awk -v marker="$marker" '
        $0 ~ marker { state = "marker"; next }
        state == "marker" && /^[[:space:]]*$/ { next }
        state == "marker" && /^```/ { state = "block"; next }
        state == "marker" { exit }
        state == "block" && /^```/ { state = "closed"; exit }
        state == "block" { command = $0; lines++ }
        END { if (state == "closed" && lines == 1) print command; else exit 1 }' README.md \
        || fail "README.md: no one-line code block right after '<!-- quick-start: $1 -->'"
}

# timed NAME COMMAND...: run COMMAND, say how long it took and add that to STAGE_TIMES
STAGE_TIMES=()
timed() {
    local name="$1" start=$SECONDS
    shift
    "$@"
    STAGE_TIMES+=("$name: $((SECONDS - start)) s")
    echo ".ci/${0##*/}: $name took $((SECONDS - start)) s"
}
