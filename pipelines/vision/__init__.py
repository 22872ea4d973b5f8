"""The page as a vision-language model sees it: resizing, turning, and boxes back to page pixels."""
