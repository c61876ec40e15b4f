# Shared by the benchmarks and the cluster test; sourced, not run.

# ballot_round DIR BRANCHES PER_SUBJECT BASE_URL: a district R with BRANCHES branches under
# it, a round of ballot codes over them open today with PER_SUBJECT codes each, written to
# DIR/codes.csv and, one code a line as printed (with dashes), to DIR/codes.txt. Sets
# ROUND. The caller defines X, which runs the binary on its database.
ballot_round() {
  local dir="$1" branches="$2" per="$3" base="$4" today
  {
    echo "组织编码,组织名称,上级组织编码,组织类别"
    echo "R,中共测试区委员会,,县(市、区)委"
    for i in $(seq 1 "$branches"); do echo "B$i,第${i}党支部,R,党支部"; done
  } > "$dir/orgs.csv"
  X import orgs "$dir/orgs.csv" >/dev/null
  today="$(date +%F)"
  ROUND="$(X eval round create --name bench --scope R --subjects organisations --mode codes \
    --start "$today" --end "$today" | tail -1)"
  X eval codes "$ROUND" --per-subject "$per" --out "$dir/codes.csv" --base-url "$base" >/dev/null
  tail -n +2 "$dir/codes.csv" | cut -d, -f3 > "$dir/codes.txt"
}
