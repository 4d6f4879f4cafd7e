./a/* comment */
