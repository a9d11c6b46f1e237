#!/usr/bin/env bash
# Rebuilds the generated speech of the evaluation (committed under eval/data/speech, so the
# harness and CI need none of this). Byte-identical reruns are not promised (festival versions).
#   Debian: festival festvox-us-slt-hts festvox-kallpc16k festvox-kdlpc16k asterisk-core-sounds-en-wav sox ffmpeg
# Output:
#   synthetic/<id>-<voice>.flac   shopping.txt spoken by festival voices slt, kal and ked, both sets
#                                 (dev kal/ked added 2 Dec 2026, so the dev set has the held-out's voices);
#                                 files that exist are kept (reruns are not byte-identical)
#   telephone/<id>.flac           Allison Smith's Asterisk prompts (real voice, 8 kHz) joined into
#                                 number phrases; the reference is telephone.txt
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/data/speech"
mkdir -p synthetic telephone
FF=(ffmpeg -nostdin -hide_banner -loglevel error -y)
BX=(-fflags +bitexact -flags:a +bitexact -map_metadata -1)

declare -A VOICES=([slt]=voice_cmu_us_slt_arctic_hts [kal]=voice_kal_diphone [ked]=voice_ked_diphone)
while IFS='|' read -r id set text; do
  [[ -z "$id" || "$id" == \#* ]] && continue
  for v in slt kal ked; do
    [[ -f "synthetic/$id-$v.flac" ]] && continue
    tmp=$(mktemp --suffix=.wav)
    printf '%s\n' "$text" | text2wave -eval "(${VOICES[$v]})" -o "$tmp"
    "${FF[@]}" -i "$tmp" "${BX[@]}" -ac 1 -ar 16000 -c:a flac -compression_level 8 "synthetic/$id-$v.flac"
    rm -f "$tmp"
  done
done < shopping.txt

SOUNDS=/usr/share/asterisk/sounds/en_US_f_Allison
while IFS='|' read -r id set text parts; do
  [[ -z "$id" || "$id" == \#* ]] && continue
  [[ -f "telephone/$id.flac" ]] && continue
  inputs=()
  for p in $parts; do inputs+=("$SOUNDS/$p.wav"); done
  sox "${inputs[@]}" -t wav - | "${FF[@]}" -i - "${BX[@]}" -c:a flac -compression_level 8 "telephone/$id.flac"
done < telephone.txt
