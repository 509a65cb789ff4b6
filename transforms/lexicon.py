"""Phrases a segmentation must keep whole: brand names, aliases, products, a user dictionary (pure).

snownlp's segmenter knows no new names and cuts them with their neighbours (`在示|例|咖啡`,
`生|椰|拿|铁`, `偷|拍摄|像|头`). `Lexicon.recut(cleaned, words)` re-cuts a segmentation so that
every dictionary phrase in the text is one word; the pieces of a word it cuts through become words
of their own (`在示` → `在` + `示例咖啡`, `拍摄` → `拍` + `摄像头`). Phrases are found in one
Aho-Corasick pass, leftmost-longest first; a Latin phrase must not touch other letters, as in brand
matching (`transforms.matching`). Only topic terms and keywords read re-cut words: sentiment and
complaints read snownlp's own, so their numbers do not move.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import ahocorasick

from transforms.matching import is_latin, latin_boundary
from transforms.textprep import clean


class Lexicon:
    """Dictionary phrases, normalised like post text (`textprep.clean`), in one automaton."""

    def __init__(self, phrases: Iterable[str] = ()) -> None:
        self.phrases = tuple(dict.fromkeys(p for p in map(clean, phrases) if p))
        self._automaton = ahocorasick.Automaton()
        for phrase in self.phrases:
            self._automaton.add_word(phrase, (len(phrase), is_latin(phrase)))
        if self.phrases:
            self._automaton.make_automaton()

    def spans(self, cleaned: str) -> list[tuple[int, int]]:
        """Where dictionary phrases occur in a cleaned text: (start, end), leftmost-longest, not overlapping."""
        if not self.phrases:
            return []
        found = []
        for last, (length, latin) in self._automaton.iter(cleaned):
            start, end = last - length + 1, last + 1
            if not latin or latin_boundary(cleaned, start, end):
                found.append((start, end))
        chosen: list[tuple[int, int]] = []
        for start, end in sorted(found, key=lambda span: (span[0], -span[1])):
            if not chosen or start >= chosen[-1][1]:
                chosen.append((start, end))
        return chosen

    def recut(self, cleaned: str, words: Sequence[str]) -> list[str]:
        """`words` (snownlp's words of `cleaned`, in order) with each dictionary phrase one word."""
        spans = self.spans(cleaned)
        if not spans:
            return list(words)
        out: list[str] = []
        k, pos, emitted = 0, 0, -1  # k: the first phrase not wholly before the word; emitted: the last phrase output
        for word in words:
            begin = cleaned.find(word, pos)  # words are in-order substrings; only spaces lie between
            if begin < 0:
                raise ValueError(f"{word!r} is not a word of the cleaned text at offset {pos}")
            pos = begin + len(word)
            while k < len(spans) and spans[k][1] <= begin:
                k += 1
            at = begin
            for index in range(k, len(spans)):
                start, end = spans[index]
                if start >= pos:
                    break
                if start > at:
                    out.append(cleaned[at:start])
                if index != emitted:  # a phrase over several words is output once, at its first piece
                    out.append(cleaned[start:end])
                    emitted = index
                at = min(end, pos)
            if at < pos:
                out.append(cleaned[at:pos])
        return out
