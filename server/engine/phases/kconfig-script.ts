/**
 * The kconfig phase's fixed bash script. Everything from the recipe arrives in
 * the environment (never spliced into this text), so it runs the same way
 * locally and on a host:
 *
 * - KCONFIG_BASE_KIND `target` (make KCONFIG_BASE) or `file` (copied to .config)
 * - KCONFIG_FRAGMENTS lines `f<TAB>PATH` (a fragment file) or `i<TAB>LINE` (one inline line), in order
 * - KCONFIG_DISABLE symbol names, one a line
 * - KCONFIG_O the build directory (make O=), or empty
 * - KCONFIG_MAKE_ARGS make variables (ARCH=…), one a line
 * - KCONFIG_MARK a nonce: the resulting .config follows a `::kconfig-config MARK` line on stdout
 *
 * Exit 2 (with `kconfig: error: …` on stderr) means a recipe error: a missing
 * file or a malformed fragment line. Any other failure is make's.
 */
export const KCONFIG_SCRIPT = String.raw`set -u
err() { printf 'kconfig: error: %s\n' "$*" >&2; exit 2; }
odir=${'$'}{KCONFIG_O:-.}
margs=()
while IFS= read -r a; do [ -n "$a" ] && margs+=("$a"); done <<< "$KCONFIG_MAKE_ARGS"
[ -n "$KCONFIG_O" ] && margs+=("O=$KCONFIG_O")
mkdir -p -- "$odir" || err "cannot create the build directory $odir"
cfg="$odir/.config"
req=$(mktemp) || err "cannot create a temporary file"
trap 'rm -f -- "$req"' EXIT
if [ "$KCONFIG_BASE_KIND" = target ]; then
  echo "kconfig: make ${'$'}{margs[*]} $KCONFIG_BASE"
  make "${'$'}{margs[@]}" "$KCONFIG_BASE" || exit 1
else
  [ -f "$KCONFIG_BASE" ] || err "base config $KCONFIG_BASE not found (relative paths are taken from the source tree, $PWD)"
  echo "kconfig: base $KCONFIG_BASE"
  [ "$KCONFIG_BASE" -ef "$cfg" ] || cp -- "$KCONFIG_BASE" "$cfg" || err "cannot copy $KCONFIG_BASE to $cfg"
fi
[ -f "$cfg" ] || err "make $KCONFIG_BASE wrote no $cfg"
# Collect the requested settings as NAME<TAB>LINE, in order (later ones win).
parse='
  { sub(/\r$/, ""); line = $0; sub(/^[ \t]+/, "", line); sub(/[ \t]+$/, "", line) }
  line == "" { next }
  line ~ /^# CONFIG_[A-Za-z0-9_]+ is not set$/ { split(line, w, " "); print w[2] "\t" line; next }
  line ~ /^#/ { next }
  line ~ /^CONFIG_[A-Za-z0-9_]+=/ { n = index(line, "="); print substr(line, 1, n - 1) "\t" line; next }
  { printf "kconfig: error: %s line %d is not a config line: %s\n", src, NR, substr(line, 1, 80) > "/dev/stderr"; bad = 1; exit 2 }
  END { if (bad) exit 2 }'
while IFS= read -r entry; do
  [ -n "$entry" ] || continue
  kind=${'$'}{entry%%$'\t'*} val=${'$'}{entry#*$'\t'}
  if [ "$kind" = f ]; then
    [ -f "$val" ] || err "fragment $val not found (relative paths are taken from the source tree, $PWD)"
    echo "kconfig: merging fragment $val"
    awk -v src="$val" "$parse" "$val" >> "$req" || exit 2
  else
    printf '%s\n' "$val" | awk -v src=inline "$parse" >> "$req" || exit 2
  fi
done <<< "$KCONFIG_FRAGMENTS"
while IFS= read -r sym; do
  [ -n "$sym" ] || continue
  echo "kconfig: disabling CONFIG_$sym"
  printf 'CONFIG_%s\t# CONFIG_%s is not set\n' "$sym" "$sym" >> "$req"
done <<< "$KCONFIG_DISABLE"
if [ -s "$req" ]; then
  # merge_config.sh's rule: drop the base's line for every requested symbol, append the last requested value.
  awk -F '\t' '
    FNR == NR { if (!($1 in want)) order[++n] = $1; want[$1] = $2; next }
    { name = "" }
    /^CONFIG_[A-Za-z0-9_]+=/ { name = substr($0, 1, index($0, "=") - 1) }
    /^# CONFIG_[A-Za-z0-9_]+ is not set$/ { split($0, w, " "); name = w[2] }
    !(name in want) { print }
    END { for (i = 1; i <= n; i++) print want[order[i]] }
  ' "$req" "$cfg" > "$cfg.bisect-tmp" && mv -- "$cfg.bisect-tmp" "$cfg" || err "cannot write $cfg"
fi
echo "kconfig: make ${'$'}{margs[*]} olddefconfig"
make "${'$'}{margs[@]}" olddefconfig || exit 1
# Requested values that olddefconfig changed (an unmet dependency), as merge_config.sh warns.
awk -F '\t' '
  FNR == NR { want[$1] = $2; next }
  /^CONFIG_[A-Za-z0-9_]+=/ { got[substr($0, 1, index($0, "=") - 1)] = $0 }
  END {
    for (s in want) {
      w = want[s]; g = (s in got) ? got[s] : "# " s " is not set"
      if (w == s "=n") w = "# " s " is not set"
      if (w != g) printf "kconfig: warning: requested %s, but the final .config has %s (a missing dependency?)\n", w, g
    }
  }
' "$req" "$cfg" >&2
printf '\n::kconfig-config %s %s\n' "$KCONFIG_MARK" "$(wc -c < "$cfg")"
cat -- "$cfg"
`;
