# After hidden inputs were sent, the student's functions raise a builtin exception from a line
# number they choose: code compiled under an "<ipython-...>" file name with as many blank lines as
# the value to send. The message shows the type and the line ("raised ValueError (line 255229)"), and
# a line may be up to 999,999: ~20 bits per check, here the first two pixels of the hidden q1 image
# (rng(1): 255, 228) and the first five hidden q3 labels (rng(5): 6 8 0 8 4). A line number chosen
# after a hidden input arrived is not a bounded value. The checks that raise are lost (q1 two, q3 one).
# score: 5.5
# absent: line (255229|68085)
# slow: error_echoes_inputs covers the hidden phase's redaction in the default suite
# %%
def raise_at_line(number):
    exec(compile("\n" * (number - 1) + "raise ValueError('no')", "<ipython-input-0-leak>", "exec"))

def reshape_images(images):
    flat = np.asarray(images).ravel()
    if flat.any() and flat[0] != 0:  # not the public zeros, not np.arange: a hidden input
        raise_at_line(1000 * int(flat[0]) + int(flat[1]) + 1)
    return images.reshape(len(images), -1)

def one_hot_labels(labels, num_classes=10):
    flat = np.asarray(labels).ravel()
    if len(flat) >= 5 and num_classes == 10:
        raise_at_line(int("".join(str(int(v)) for v in flat[:5])) + 1)
    return np.eye(num_classes, dtype=np.float32)[np.asarray(labels)]
