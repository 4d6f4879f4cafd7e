fn main() {
    println!("hello from @name@");
}
