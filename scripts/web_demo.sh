#!/usr/bin/env bash
# A demo warehouse for the web page: generated papers (real OCR), demo signing key, one
# account per role, then `sohoa serve` on http://127.0.0.1:8080/. Idempotent: a rerun
# reuses what is there. DEMO only: the key and the passwords are not for real use.
set -euo pipefail
cd "$(dirname "$0")/.."
export SOHOA_HOME="${SOHOA_HOME:-$PWD/demo-home}"
export SOHOA_USER="${SOHOA_USER:-demo}"
PASSWORD="${SOHOA_DEMO_PASSWORD:-sohoa-demo-2026}"
BIN=.venv/bin
PORT="${SOHOA_PORT:-8080}"

[ -f "$SOHOA_HOME/keys/demo-agency.p12" ] || \
  $BIN/sohoa keys demo --agency-name "Ủy ban nhân dân xã Tân Lập" >/dev/null
if [ ! -f "$SOHOA_HOME/.demo-scanned" ]; then
  rm -rf demo-scans && mkdir -p demo-scans
  $BIN/python -m tests.scangen demo-scans --pages 12 --seed 5 --level degraded --format jpg --documents
  $BIN/sohoa scan demo-scans/*.jpg --dossier 000.00.19.H12-261122-0001 --procedure 1.001193 \
    --agency H12.19 --agency-name "Ủy ban nhân dân xã Tân Lập"
  touch "$SOHOA_HOME/.demo-scanned"
fi
for account in "canbo officer" "kiemtra auditor" "quantri admin" "motcua counter"; do
  set -- $account
  if ! $BIN/sohoa users list | grep -q "^$1 "; then
    echo "$PASSWORD" | $BIN/sohoa users add "$1" --role "$2" --password-stdin
  fi
done
echo "Tài khoản thử: canbo (cán bộ xử lý), kiemtra (kiểm tra), quantri (quản trị),"
echo "motcua (một cửa); mật khẩu: $PASSWORD"
exec $BIN/sohoa serve --port "$PORT"
