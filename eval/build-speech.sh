#!/usr/bin/env bash
# Rebuilds the generated speech of the evaluation (committed under eval/data/speech, so the
# harness and CI need none of this). Byte-identical reruns are not promised (festival versions).
#   Debian: festival festvox-us-slt-hts festvox-kallpc16k festvox-kdlpc16k asterisk-core-sounds-en-wav
#           asterisk-core-sounds-en-g722 asterisk-core-sounds-en sox ffmpeg
# Output:
#   synthetic/<id>-<voice>.flac   shopping.txt spoken by festival voices slt, kal and ked, both sets
#                                 (dev kal/ked added 2 Dec 2026, so the dev set has the held-out's voices);
#                                 files that exist are kept (reruns are not byte-identical)
#   telephone/<id>.flac           Allison Smith's Asterisk prompts (real voice, 8 kHz) joined into
#                                 number phrases; the reference is telephone.txt
#   prompts/<id>.flac             Allison Smith's Asterisk prompts as recorded (real voice, 16 kHz G.722),
#                                 chosen by the rule in prompts.txt's header (select_prompts rewrites it)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/data/speech"
mkdir -p synthetic telephone prompts
FF=(ffmpeg -nostdin -hide_banner -loglevel error -y)
BX=(-fflags +bitexact -flags:a +bitexact -map_metadata -1)

# The rule of prompts.txt's header, as code: prints the lines that follow the header.
select_prompts() {
  local transcripts=/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz line name text words
  zcat "$transcripts" | while IFS= read -r line; do
    name="${line%%: *}" text="${line#*: }"
    [[ -z "$line" || "$line" == ";"* || "$name" == "$line" ]] && continue
    case "$name" in digits/* | letters/* | phonetic/* | silence/*) continue ;; esac
    [[ -f "$G722/$name.g722" ]] || continue
    [[ "$text" =~ [^A-Za-z0-9\ .,?!\'\;:-] ]] && continue
    words=$(wc -w <<<"$text")
    ((words >= 3 && words <= 25)) || continue
    printf '%s|%s|%s\n' "$(printf '%s' "$name" | sha1sum | cut -c1-8)" "$name" "$text"
  done | sort | awk -F'|' '{ set = index("01234567", substr($1, 1, 1)) ? "dev" : "heldout"
    if (++n[set] > 50) next; id = "prompt-" $2; gsub("/", "-", id); print id "|" set "|" $3 "|" $2 }' |
    sort -t'|' -s -k2,2
}

G722=/usr/share/asterisk/sounds/en_US_f_Allison
[[ "${1:-}" == --select-prompts ]] && { select_prompts; exit; }

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
while IFS='|' read -r id set text name; do
  [[ -z "$id" || "$id" == \#* ]] && continue
  [[ -f "prompts/$id.flac" ]] && continue
  "${FF[@]}" -f g722 -i "$G722/$name.g722" "${BX[@]}" -ac 1 -ar 16000 -c:a flac -compression_level 8 "prompts/$id.flac"
done < prompts.txt
