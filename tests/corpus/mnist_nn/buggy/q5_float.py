# breaks: q5
# The right number, but a float.
total_params = 717210.0
