# Widget (comm) messages of 50 MB each: the grader keeps no widget state, and its sockets refuse
# messages above their size limit.
# score: honest
# slow: no output channel is read any more; multipart_message_bypasses_size_cap covers the relay in the default suite
# %%
from comm import create_comm
payload = "x" * (50 * 1024**2)
for n in range(20):
    create_comm(target_name="jupyter.widget", data={"state": {"value": payload}, "buffer_paths": []})
