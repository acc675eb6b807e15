# scikit-learn and Keras helpers: OneHotEncoder, to_categorical, accuracy_score; a copy made with copy().
def one_hot_labels(labels, num_classes=10):
    from sklearn.preprocessing import OneHotEncoder

    encoder = OneHotEncoder(categories=[list(range(num_classes))], sparse_output=False)
    return encoder.fit_transform(np.asarray(labels).reshape(-1, 1))

# %%
def predict_labels(model, images):
    return model.predict_on_batch(images).argmax(axis=1)


def most_confused_pair(cm, class_names):
    errors = cm.copy()
    np.fill_diagonal(errors, 0)
    true_class, predicted_class = np.unravel_index(errors.argmax(), errors.shape)
    return (class_names[true_class], class_names[predicted_class])

# %%
from sklearn.metrics import accuracy_score

test_acc = accuracy_score(y_test, predict_labels(model, X_test_norm))
print(f"test accuracy: {test_acc:.4f}")
