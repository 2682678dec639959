# Plain English sentences from fortune files, one a line. Usage:
#   awk -f sentences.awk DICTIONARY FORTUNE_FILE...
# DICTIONARY is CMUdict as pocketsphinx ships it ("word PH ON ES", alternatives as "word(2)"): every
# word of a kept sentence is in it, so that the recognizer that judges speech can hear every word and
# the phoneme-reading TTS can say it. Fortune records are separated by "%" lines; attributions
# ("-- Mark Twain") are dropped, whitespace collapsed, records split at . ! and ?. Kept: sentences of
# 4 to 14 words of letters, apostrophes, hyphens, commas and semicolons, starting with a capital;
# each printed once, ending with a full stop.
FNR == NR { w = tolower($1); sub(/\([0-9]+\)$/, "", w); dict[w] = 1; next }

function flush(   n, i, parts, s, words, k, ok, w, nw) {
  gsub(/[ \t]+/, " ", record)
  n = split(record, parts, /[.!?]+["']? /)
  for (i = 1; i <= n; i++) {
    s = parts[i]
    sub(/^ +/, "", s); sub(/[ .!?"']+$/, "", s); sub(/^["']/, "", s)
    if (s !~ /^[A-Z][A-Za-z ,;'-]*$/ || s ~ /--|''|[,;]$/) continue
    nw = split(s, words, " ")
    if (nw < 4 || nw > 14) continue
    ok = 1
    for (k = 1; k <= nw && ok; k++) {
      w = tolower(words[k]); gsub(/[,;]/, "", w)
      ok = w ~ /^[a-z']+(-[a-z']+)*$/ && (w in dict)
    }
    if (ok && !(s in seen)) { seen[s] = 1; print s "." }
  }
  record = ""
}

/^%$/ { flush(); next }
/^[ \t]*--/ { next }
{ record = record " " $0 }
END { flush() }
