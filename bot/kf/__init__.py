"""WeChat Customer Service (kf): pull customer messages, reply within WeCom's rules, hand over to a person.

``doorbell.router`` answers the ``kf_msg_or_event`` callback (included first in the root router);
``doorbell.kf_context`` starts :class:`bot.kf.service.KfService` as ``services["kf"]``.
"""
