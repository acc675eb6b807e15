# breaks: q7
# Trains one epoch on 1% of the data: the network barely learns.
model = build_model()
history = model.fit(X_train_norm[:600], y_train_cat[:600], epochs=1, batch_size=128, verbose=2)
