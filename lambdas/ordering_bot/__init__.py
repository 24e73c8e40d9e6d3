"""C4: the OTP-gated food-ordering bot's Lex V2 code hook (GetFoodMenu, OrderFood)."""
