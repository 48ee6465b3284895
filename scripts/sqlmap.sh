#!/usr/bin/env bash
# docs/quality-bar.md §9 (manual): sqlmap against dco's search and list parameters,
# on the pages and the JSON API, as a signed-in LA caseworker and DCO.
#
# It builds dco, serves the demo on a temporary SQLite file on 127.0.0.1
# only, takes an API token and a page session for each user, runs sqlmap
# (Debian package `sqlmap`) on each target and reads its output, since
# sqlmap exits 0 whether or not it finds an injection. Exit 0 when no
# target is injectable, 1 when one is, 2 when the run itself failed.
#
#   bash scripts/sqlmap.sh            # level 2, risk 1 (about 10 minutes)
#   LEVEL=3 RISK=2 bash scripts/sqlmap.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v sqlmap >/dev/null || { echo "sqlmap: apt-get install sqlmap" >&2; exit 2; }
LEVEL=${LEVEL:-2} RISK=${RISK:-1}
work=$(mktemp -d)
pid=
trap 'kill "$pid" 2>/dev/null || true; [ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
make -s build
export DCO_DEMO_PASSWORD=sqlmap-demo-password
port=18$((RANDOM % 900 + 100))
base=http://127.0.0.1:$port
(cd "$work" && exec "$OLDPWD/bin/dco" serve --demo --addr 127.0.0.1:$port --db "$work/dco.db" >"$work/serve.log" 2>&1) &
pid=$!
for _ in $(seq 60); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.5; done
curl -fs "$base/healthz" >/dev/null || { cat "$work/serve.log"; exit 2; }

token() { DCO_DATABASE="$work/dco.db" bin/dco user token --email "$1" --days 1 2>/dev/null | tail -1; }
session() { # e-mail -> "Cookie: ..." header of a signed-in page session
  local jar=$work/jar.$1
  local csrf
  csrf=$(curl -fs -c "$jar" "$base/sign-in" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
  curl -fs -b "$jar" -c "$jar" -o /dev/null -H "Origin: $base" \
    --data-urlencode "email=$1" --data-urlencode "password=$DCO_DEMO_PASSWORD" --data-urlencode "csrf_token=$csrf" "$base/sign-in"
  printf 'Cookie: %s' "$(awk '$6 ~ /session/ {printf "%s=%s", $6, $7}' "$jar")"
}
la_token=$(token la.swindon@demo.dco.test)
dco_token=$(token dco@demo.dco.test)
la_cookie=$(session la.swindon@demo.dco.test)
dco_cookie=$(session dco@demo.dco.test)

targets=(
  "la-api-children|Authorization: Bearer $la_token|$base/api/v1/children?q=smith&la=866"
  "la-api-children-dob|Authorization: Bearer $la_token|$base/api/v1/children?dob=2015-03-01"
  "la-api-advice|Authorization: Bearer $la_token|$base/api/v1/advice-requests?status=returned_on_time&la=866"
  "la-api-s23|Authorization: Bearer $la_token|$base/api/v1/s23-notifications?status=unacknowledged"
  "dco-api-s23|Authorization: Bearer $dco_token|$base/api/v1/s23-notifications?la=866&provider=RN3&status=overdue&on=2026-11-30&kind=s23"
  "la-page-children|$la_cookie|$base/children?q=smith&la=866"
  "dco-page-advice|$dco_cookie|$base/advice-requests?la=866&status=overdue&service=ot&month=2026-11"
  "dco-page-s23|$dco_cookie|$base/s23-notifications?la=866&provider=RN3&status=awaiting_la&month=2026-11"
)
found=0
for t in "${targets[@]}"; do
  IFS='|' read -r name header url <<<"$t"
  out=$work/$name.txt
  sqlmap -u "$url" -H "$header" --batch --level "$LEVEL" --risk "$RISK" --dbms=SQLite \
    --disable-coloring --flush-session --output-dir "$work/sqlmap" >"$out" 2>&1 || true
  if grep -qiE "is vulnerable|appears to be injectable|identified the following injection" "$out"; then
    echo "$name: INJECTABLE"; grep -iE "Parameter:|Type:" "$out" | head; found=1
  elif grep -q "all tested parameters do not appear to be injectable" "$out"; then
    echo "$name: no injection ($(grep -c "testing '" "$out") technique × parameter tests)"
  else
    echo "$name: inconclusive"; tail -5 "$out"; found=2
  fi
done
exit $found
