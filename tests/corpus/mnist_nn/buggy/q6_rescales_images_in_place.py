# breaks: q6
# fails: q6 - predict labels leaves images unchanged
# says: changed its argument `images`
# "Accepts raw pixels too" by dividing the caller's array in place when it holds values above 1.
def predict_labels(model, images):
    if images.max() > 1.0:
        images /= 255.0
    return np.argmax(model.predict(images, verbose=0), axis=1)
