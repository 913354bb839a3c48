"""Writes sentences.txt, the corpus of MiniLmCorpusTest and ModelBench: every distinct sentence of
perldiag.pod, the Perl diagnostics as Debian's perl-modules-5.36 ships them (/usr/share/perl/5.36/pod/perldiag.pod; Perl's
documentation, under Perl's own terms: the Artistic License or the GPL). Explanatory paragraphs only
(not the =item message templates, not indented code), POD markup removed, split at sentence ends.
    cd benchmarks/src/main/resources/dev/colossus/bench/model && python3 make_sentences.py"""
import re

SOURCE = "/usr/share/perl/5.36/pod/perldiag.pod"
text = open(SOURCE, encoding="utf-8").read()
sentences = []
for block in re.split(r"\n\s*\n", text):
    block = block.strip()
    if not block or block.startswith(("=", " ", "\t")):
        continue
    block = re.sub(r"[A-Z]<([^<>]*)>", r"\1", block)
    block = re.sub(r"\s+", " ", block)
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", block):
        sentence = sentence.strip()
        if sentence and len(sentence) < 700:
            sentences.append(sentence)
distinct = list(dict.fromkeys(sentences))
with open("sentences.txt", "w", encoding="utf-8") as out:
    out.write("# " + str(len(distinct)) + " sentences of " + SOURCE + " (Debian perl-modules-5.36); make_sentences.py\n")
    for s in distinct:
        out.write(s + "\n")
print(len(distinct))
