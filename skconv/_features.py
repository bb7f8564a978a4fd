"""``transform``: a fitted network as a feature extractor for other estimators."""

from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin


class HiddenFeaturesMixin(ClassNamePrefixFeaturesOutMixin, TransformerMixin):
    """``transform(X)``: the activations the output layer reads.

    As in :class:`~sklearn.discriminant_analysis.LinearDiscriminantAnalysis`,
    the estimators are predictors and transformers at once, so that a fitted
    network can feed another estimator in a
    :class:`~sklearn.pipeline.Pipeline` (CNN features -> ``SVC``). The
    feature names are ``convnetclassifier0, convnetclassifier1, ...``.
    """

    def transform(self, X):
        """Activations of the last hidden layer: the input of the output layer.

        That is the output of ``layers_[-2]``, run with inference semantics
        (batch normalisation with its running statistics, no dropout): the
        activation of the last hidden layer of ``hidden_layer_sizes`` (after
        its ``Dropout``, which inference skips); with
        ``hidden_layer_sizes=()``, the flattened maps of the last convolution
        block (or their channel means, with ``global_pooling=True``); with
        no convolution and no hidden layer either, ``X`` itself. Computed in
        chunks within ``sklearn.get_config()["working_memory"]``, as
        ``predict`` is; nothing is written on the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Flattened images (or (n_samples, height, width) or (n_samples,
            channels, height, width) arrays), as for ``predict``.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features_out)
            ``n_features_out`` is the last entry of ``hidden_layer_sizes``
            (when there is one). float32 for a model fitted on float32 data.
        """
        features, _ = self._forward(X, n_layers=-1)
        return features

    @property
    def _n_features_out(self):
        """Width of ``transform``'s output (for ``get_feature_names_out``)."""
        (width,) = self.layers_[-1].input_shape  # the output layer is a Dense
        return width

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # A model fitted on float32 computes, and transforms, in float32.
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
