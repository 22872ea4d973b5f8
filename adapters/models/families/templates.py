"""Chat templates for checkpoints that ship none, laid out the family's way."""

from __future__ import annotations

from ocula.adapters.models.families.table import TransformersFamily
from ocula.schemas.families import family_record


def _content(placeholder: str) -> str:
    """Jinja rendering one message's content (a string, or a list of image and text parts)."""
    return (
        "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
        "{% for part in message['content'] %}"
        "{% if part['type'] == 'image' %}" + placeholder + "{% elif part['type'] == 'text' %}"
        "{{ part['text'] }}{% endif %}{% endfor %}{% endif %}"
    )


def chat_template_for(family: TransformersFamily) -> str:
    """A chat template in the family's prompt layout (its record's `prompt_format`) with its image placeholder.

    chatml: `<|im_start|>role ... <|im_end|>` turns. plain: the messages' text, one per line, no roles, no
    generation prompt (base models such as PaliGemma, Kosmos-2, InstructBLIP, Florence-2). user_assistant:
    `User:... <end_of_utterance>` then `Assistant:` (IDEFICS).
    """
    content = _content(family.image_placeholder)
    prompt_format = family_record(family.key).prompt_format
    if prompt_format == "plain":
        return "{% for message in messages %}{% if not loop.first %}\n{% endif %}" + content + "{% endfor %}"
    if prompt_format == "user_assistant":
        return (
            "{% for message in messages %}{% if message['role'] == 'system' %}" + content + "\n"
            "{% else %}{{ message['role'] | capitalize }}:" + content + "<end_of_utterance>\n{% endif %}"
            "{% endfor %}{% if add_generation_prompt %}Assistant:{% endif %}"
        )
    return (
        "{% for message in messages %}<|im_start|>{{ message['role'] }}\n" + content + "<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
