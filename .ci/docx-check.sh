#!/usr/bin/env bash
# Generated documents, read back: a progress bulletin of the demo city drafted, issued and
# exported as .docx, converted by LibreOffice headless to PDF (it must open and convert),
# and the PDF's pages must be A4. Installs LibreOffice Writer and poppler-utils if missing.
# Needs target/debug/xianfeng (cargo build --bin xianfeng).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v soffice >/dev/null 2>&1 || ! command -v pdfinfo >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui poppler-utils >/dev/null
fi

dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
x() { ./target/debug/xianfeng --db "$dir/d.db" --key-file "$dir/d.key" --today 2012-03-01 --lang en "$@"; }
x init --demo --password Pass-word-1 >/dev/null 2>&1
id="$(x bulletin draft --kind progress --scope JZ --period 2011-h2 | tail -1)"
x bulletin issue "$id" --number-prefix 焦创办 --issuer 焦作市创先争优活动领导小组办公室 \
  --main-to 各县（市、区）委组织部 --copy-to 市委办公室 >/dev/null
x bulletin export "$id" --docx "$dir/bulletin.docx" --xlsx "$dir/bulletin.xlsx" >/dev/null
(cd "$dir" && HOME="$dir" soffice --headless --convert-to pdf bulletin.docx >/dev/null 2>&1)
test -s "$dir/bulletin.pdf" || { echo "LibreOffice did not convert the bulletin" >&2; exit 1; }
info="$(pdfinfo "$dir/bulletin.pdf")"
pages="$(sed -n 's/^Pages: *//p' <<<"$info")"
size="$(grep '^Page size' <<<"$info")"
echo "bulletin.pdf: $pages pages; $size"
grep -q '(A4)' <<<"$size" || { echo "not A4: $size" >&2; exit 1; }
[ "$pages" -ge 2 ] || { echo "a city-wide bulletin should run to several pages" >&2; exit 1; }
# The text survives the conversion: the number, the title and the 版记.
text="$(pdftotext "$dir/bulletin.pdf" - | tr -d ' \n')"
for want in 焦创办〔2012〕 创先争优活动进展情况的通报 抄送：市委办公室 印发; do
  grep -q "$want" <<<"$text" || { echo "missing from the PDF: $want" >&2; exit 1; }
done
echo "docx check: ok"
