"""Text to put in documents: sentences in several languages, and long English prose made from
a seed, each sentence its own, so fingerprints and chunks have real variety to work on."""

from __future__ import annotations

import random

# Article 1 of the Universal Declaration of Human Rights.
UDHR_EN = "All human beings are born free and equal in dignity and rights."
UDHR_ES = "Todos los seres humanos nacen libres e iguales en dignidad y derechos"
OPENING = "The keeper of the Saint Agnes lighthouse wrote every passing ship into his ledger."
GERMAN = (
    "Die Stadt liegt an einem großen Fluss, und im Sommer kommen viele Besucher aus dem ganzen "
    "Land. Sie wandern durch die alten Gassen, sitzen auf dem Marktplatz und essen Eis. Wenn es "
    "regnet, gehen sie in das Museum, das eine schöne Sammlung von Bildern hat."
)
FRENCH = (
    "Une requête analytique interroge le cube de données et renvoie les agrégats pour chaque "
    "dimension. La requête est traduite par le moteur en plusieurs requêtes plus simples sur "
    "les tables de faits. Le résultat de chaque requête est mis en cache, et une nouvelle "
    "requête qui porte sur les mêmes dimensions est servie par le cache. Les utilisateurs "
    "écrivent leurs requêtes dans un langage proche du SQL, mais le moteur choisit lui-même "
    "l'ordre des jointures. Pour une requête lente, il propose un index ou une vue matérialisée "
    "qui accélère les requêtes suivantes."
)


def _words(text: str) -> list[str]:
    return text.split()


# One word per slot, so that few three-word runs repeat: SimHash weighs a run by its count,
# and a text made of a few fixed phrases would look like every other text made of them.
_ADJECTIVES = _words("""grey old quiet narrow broken white distant heavy salted patient northern
    crooked silver muddy bright tired wooden empty restless hidden rusty careful gentle
    stubborn ancient frozen sudden crowded""")
_NOUNS = _words("""keeper pilot fisherman ferryman widow sailor priest teacher miller daughter
    stranger harbour ledger lamp oar channel crate bell letter pier lantern schooner
    herring glass key cottage cliff village storm tide rope anchor gull chapel market
    net cart orchard bridge""")
_VERBS = _words("""watched counted remembered followed painted repaired carried found lost
    described ignored answered questioned mended signalled opened closed burned sold
    bought borrowed hid""")
_PLACES = _words("""near beside behind under above across beyond toward inside""")


def english(words: int, seed: int = 0) -> str:
    """About `words` words of English in paragraphs of three to five sentences, beginning
    with OPENING, the lighthouse in about one sentence of three; the same seed gives the same
    text, another seed another text."""
    rng = random.Random(seed)
    paragraphs, sentences, count = [], [OPENING], len(OPENING.split())
    length = rng.randint(3, 5)
    while count < words:
        a, b, c = (rng.choice(_ADJECTIVES) for _ in range(3))
        n1, n2, n3 = (rng.choice(_NOUNS) for _ in range(3))
        where = "lighthouse" if rng.random() < 0.35 else n3
        sentence = (
            f"The {a} {n1} {rng.choice(_VERBS)} a {b} {n2} {rng.choice(_PLACES)} the {c} {where}."
        )
        sentences.append(sentence)
        count += len(sentence.split())
        if len(sentences) >= length:
            paragraphs.append(" ".join(sentences))
            sentences, length = [], rng.randint(3, 5)
    if sentences:
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs) + "\n"
