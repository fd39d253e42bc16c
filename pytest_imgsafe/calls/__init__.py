"""Layer 4: the call path: cassettes (record and replay), the live gate and scheduler, the
runner that gives an item its answers, and the ``imgsafe_client`` recorder.
"""
