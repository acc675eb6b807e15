# A cell that never ends: it is interrupted; the answers before it still count.
# score: honest
# status: timeout
# message: Code cell \d+ was stopped
# %%
while True:
    pass
