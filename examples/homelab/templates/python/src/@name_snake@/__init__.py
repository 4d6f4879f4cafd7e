"""@name@."""


def main() -> None:
    print("hello from @name@")
