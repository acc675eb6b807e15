# scikit-learn where it fits: OneHotEncoder for the labels, accuracy_score for the test accuracy;
# parameter counts read off the models with count_params().
def one_hot_labels(labels, num_classes=10):
    from sklearn.preprocessing import OneHotEncoder

    encoder = OneHotEncoder(categories=[np.arange(num_classes)], sparse_output=False, dtype=np.float32)
    return encoder.fit_transform(np.asarray(labels).reshape(-1, 1))

# %%
total_params = sum(layer.count_params() for layer in model.layers)

# %%
from sklearn.metrics import accuracy_score

test_acc = accuracy_score(y_test, predict_labels(model, X_test_norm))

# %%
model2_total_params = model2.count_params()
model2_improved = test_acc2 > test_acc
