"""snownlp's segmentation and sentiment, bit-for-bit, many times faster.

- `words(text)`: exactly `snownlp.SnowNLP(text).words`.
- `SentimentModel.stock()` / `.load(path)` / `.save(path)`: snownlp's Bayes sentiment models;
  `.probability(text)` equals `Sentiment.classify(text)`, `.probability_of_words(words)` takes
  words already segmented and stop-word filtered (`filter_stopwords`).
- `train_bayes(neg_docs, pos_docs)`: the model snownlp's `Sentiment.train` would build.
- `analyze(texts, model, workers=None)`: `Analysis(words, sentiment)` per text, in order, each
  distinct text computed once, big batches spread over all cores.
- `keywords(words, limit)`: key terms ranked from an existing segmentation.

Nothing here imports snownlp: its model files are read directly and the segmenter's tables
are compiled once into the user cache dir (see `seg_tables`).
"""

from transforms.fastsnow.analysis import Analysis, analyze
from transforms.fastsnow.bayes import SentimentModel, filter_stopwords, stopwords, train_bayes
from transforms.fastsnow.keywords import keywords
from transforms.fastsnow.parallel import segment_parallel
from transforms.fastsnow.segmenter import segment_many, words

__all__ = [
    "Analysis",
    "SentimentModel",
    "analyze",
    "filter_stopwords",
    "keywords",
    "segment_many",
    "segment_parallel",
    "stopwords",
    "train_bayes",
    "words",
]
