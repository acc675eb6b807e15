# One cell with a syntax error; the rest of the notebook is fine.
# score: honest
# message: raised an error: .*SyntaxError
# %%
def broken(:
    pass
